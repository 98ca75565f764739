"""Read a processed Doc into ``Sentence``s: who is named, how strongly bound, which
oversight mechanisms and timescales.

With a dependency parse, actors are told from mere mentions: a possessive ("the
manager's report") or a modifier ("social worker visits") is not an actor, and a
modal's actor is its clause's subject. Without a parse (rules only) the same questions
are answered from word order, less surely.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from tracker.models import Mention, Pack, Sentence
from tracker.nlp.extensions import MODALS, OVERSIGHT, ROLES, TIMESCALES

__all__ = ["analyse_doc", "count_roles", "normalise_timescale"]

_POSSESSIVE = {"'s", "\u2019s", "'", "\u2019"}
_MODIFIED_NOUNS = {
    "supervision", "judgement", "judgment", "judgements", "judgments", "curiosity", "development",
    "standards", "practice", "visits", "visit", "assessment", "assessments", "report", "reports",
    "oversight", "capacity", "caseload", "caseloads", "role", "roles", "team", "teams", "record",
    "records", "training", "duties", "responsibilities", "decision", "decisions", "registration",
    "body", "bodies", "network", "networks", "meeting", "meetings", "advice", "input", "involvement",
    "workforce", "workload", "workloads", "view", "views", "opinion", "knowledge", "expertise",
    "skills", "boundaries", "discussion", "discussions", "relationship", "relationships", "time",
}
_WILL_SUBJECT_PRONOUNS = {"they", "he", "she", "you", "we"}
_SKIP_BEFORE_WILL = {"also", "then", "always", "normally", "usually", "now", "still", "each", "all", "both"}
_NUMBER_WORDS = {
    "a": "1", "an": "1", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "fifteen": "15", "twenty": "20", "thirty": "30", "forty": "40", "forty-five": "45", "fifty": "50",
    "sixty": "60", "ninety": "90", "hundred": "100", "twenty-four": "24", "seventy-two": "72",
    "fourteen": "14", "twenty-eight": "28", "eighteen": "18", "sixteen": "16", "thirteen": "13",
}
_UNIT_SINGULAR = {"hours": "hour", "days": "day", "weeks": "week", "months": "month", "years": "year", "fortnights": "fortnight"}


_HOURS = {"hour": 1, "day": 24, "week": 168, "fortnight": 336}
_MONTHS = {"month": 1, "year": 12}
_NON_CALENDAR = {"working", "school", "business", "clear"}


_FREQUENCY = {
    "annually": ["year"], "yearly": ["year"], "biannually": ["6", "month"], "bi-annually": ["6", "month"],
    "half-yearly": ["6", "month"], "quarterly": ["3", "month"], "monthly": ["month"], "fortnightly": ["2", "week"],
    "weekly": ["week"], "daily": ["day"], "termly": ["term"],
}
_EVERY = {"each", "per"}
_DEADLINE = re.compile(
    r"^(?:(?:no|not) (?:later|more|longer) than(?: the end of)?|up to(?: a maximum of)?|(?:a )?maximum of"
    r"|by the end of|before the end of|within a maximum of)\s+"
)
_MINIMUM = re.compile(
    r"^(?:(?:a |the )?minimum (?:period )?of|(?:no|not) (?:less|fewer|shorter) than|at least)\s+(?=[\d\w])"
)
_VAGUE = re.compile(
    r"^(?:immediately|promptly|urgently|forthwith|swiftly|quickly|straight ?away|at once|without (?:undue )?delay"
    r"|as (?:soon|quickly) as (?:is )?(?:possible|(?:reasonably )?practicable)|at the earliest (?:possible )?opportunity"
    r"|as a matter of urgency|in a timely (?:manner|way|fashion))$"
)
PROMPTLY = "promptly"
"""The one value of every vague call for promptness ("without delay", "as soon as
reasonably practicable", "immediately"): none of them is a time limit, so one is never
a change from another; a definite limit in place of one is."""


_ORDINAL_WORDS = {
    "tenth": "10", "eleventh": "11", "twelfth": "12", "thirteenth": "13", "fourteenth": "14", "fifteenth": "15",
    "sixteenth": "16", "seventeenth": "17", "eighteenth": "18", "nineteenth": "19", "twentieth": "20",
    "twenty-first": "21", "twenty-fifth": "25",
}
_BIRTHDAY = re.compile(r"^(?:by|before|on) .*?\b(\d+)(?:st|nd|rd|th)? birthday$")
_TURNS = re.compile(r"^(?:by|before) the time .*?\b(?:turns|reaches|is|becomes)(?: aged?)? (\d+)$")
_AGE = re.compile(r"^(?:by|before)(?: (?:reaching|turning|attaining))?(?: the)? age(?: of)? (\d+)$")
_SCHOOL_YEAR = re.compile(r"^(?:by|before) the end of (?:school )?(year|key stage) (\d+)$")
_LEAVING = re.compile(r"^(?:by|before|until|prior to) .*?\b(?:leaves?|leaving) (care|school|custody|hospital)$")


def _event_deadline(low: str) -> str | None:
    """Deadlines tied to an event, not a period: an age ("by the child's 16th birthday"
    = "by the time the child turns 16" = "before the age of 16": ``by age 16``), the end
    of a school year ("by the end of Year 9") or leaving care or school ("before the
    child leaves care": ``before leaving care``). None for any other wording."""
    words = " ".join(_ORDINAL_WORDS.get(w, _NUMBER_WORDS.get(w, w) if w not in ("a", "an") else w) for w in low.split())
    for rx in (_BIRTHDAY, _TURNS, _AGE):
        m = rx.match(words)
        if m:
            return f"by age {int(m.group(1))}"
    m = _SCHOOL_YEAR.match(words)
    if m:
        return f"by end of {m.group(1)} {int(m.group(2))}"
    m = _LEAVING.match(words)
    if m:
        return f"before leaving {m.group(1)}"
    return None


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_COMPOUND = re.compile(r"\b(" + "|".join(_TENS) + r")(?:\s*-\s*|\s+)(" + "|".join(_ONES) + r")\b")


def _compounds(low: str) -> str:
    """"twenty-four" and "forty five" as digits (spaCy splits them into several tokens)."""
    return _COMPOUND.sub(lambda m: str(_TENS[m.group(1)] + _ONES[m.group(2)]), low)


def normalise_timescale(text: str) -> str:
    """Comparable form of a timescale: numbers as digits, units singular, and calendar
    durations in one unit (hours; months for months and years), so that equal periods
    compare equal. Working, school and business days are not calendar days and stay apart.
    Frequencies read as "every" a period ("annually" = "every 12 months" = "once a
    year"; a term is its own unit); deadline wordings ("no later than", "up to", "by
    the end of") read as "within"; vague promptness is one value, ``PROMPTLY``.

    >>> normalise_timescale("within one working day") == normalise_timescale("Within 1 working days")
    True
    >>> normalise_timescale("within 24 hours") == normalise_timescale("within one day")
    True
    >>> normalise_timescale("within one working day") == normalise_timescale("within one day")
    False
    >>> normalise_timescale("at least every 12 months") == normalise_timescale("at least annually")
    True
    >>> normalise_timescale("no later than 20 working days") == normalise_timescale("within 20 working days")
    True
    >>> normalise_timescale("without delay") == normalise_timescale("as soon as reasonably practicable")
    True
    >>> normalise_timescale("a minimum of 15 days") == normalise_timescale("at least fifteen days")
    True
    >>> normalise_timescale("not less than 15 days") == normalise_timescale("within 15 days")
    False
    >>> normalise_timescale("twice a year") == normalise_timescale("every six months")
    True
    >>> normalise_timescale("by the child's 16th birthday") == normalise_timescale("by the time the child turns sixteen")
    True
    >>> normalise_timescale("before the age of 18") == normalise_timescale("by the child's 16th birthday")
    False
    >>> normalise_timescale("three times a year") == normalise_timescale("twice a year")
    False
    >>> normalise_timescale("within twenty-four hours") == normalise_timescale("within 24 hours")
    True
    >>> normalise_timescale("within forty five days") == normalise_timescale("within 45 days")
    True
    """
    low = _compounds(" ".join(re.findall(r"[\w'’-]+", text.lower().replace("’", "'"))))
    if _VAGUE.match(low):
        return PROMPTLY
    event = _event_deadline(low)
    if event is not None:
        return event
    low = _DEADLINE.sub("within ", low)
    if not re.match(r"at least (?:once|twice|every|each|per|a |an )", low):
        low = _MINIMUM.sub("at least ", low)  # a minimum period, not a deadline
    text = low
    words = re.findall(r"[\w-]+", text.lower())
    out: list[str] = []
    for w in words:
        if w == "the":
            continue
        m = re.fullmatch(r"([\w]+)-(monthly|weekly|yearly|daily)", w)
        if m:  # "six-monthly" = every six months
            out += [_NUMBER_WORDS.get(m.group(1), m.group(1)), {"monthly": "month", "weekly": "week", "yearly": "year", "daily": "day"}[m.group(2)]]
            if len(out) < 3 or out[-3] != "every":
                out.insert(len(out) - 2, "every")
            continue
        if w in _FREQUENCY:
            if not out or out[-1] != "every":
                out.append("every")
            out += _FREQUENCY[w]
            continue
        w = _NUMBER_WORDS.get(w, w)
        w = _UNIT_SINGULAR.get(w, w)
        if w in _EVERY or (w == "1" and out and out[-1] == "once"):
            w = "every"  # "each week", "once a week" = "every week"
            if out and out[-1] == "once":
                out.pop()
        if w == "every" and out and out[-1] == "once":
            out.pop()  # "once every"
        if w == "quarter":
            out += ["3", "month"]
            continue
        if w == "term" and out and out[-1] == "1":
            out.pop()
        out.append(w)
    res: list[str] = []
    k = 0
    while k < len(out):
        w = out[k]
        if w.isdigit():
            j = k + 1
            qual = ""
            if j < len(out) and out[j] in _NON_CALENDAR | {"calendar"}:
                qual = out[j]
                j += 1
            unit = out[j] if j < len(out) else ""
            n = int(w)
            if qual in _NON_CALENDAR and unit in _HOURS:
                res += [str(n), qual, unit]
                k = j + 1
                continue
            if unit in _HOURS:
                res.append(f"{n * _HOURS[unit]}h")
                k = j + 1
                continue
            if unit in _MONTHS:
                res.append(f"{n * _MONTHS[unit]}mo")
                k = j + 1
                continue
        elif w in _HOURS and not (res and res[-1] in _NON_CALENDAR):
            res.append(f"{_HOURS[w]}h")  # "within a day" after number words, "each week"
            k += 1
            continue
        elif w in _MONTHS and not (res and res[-1] in _NON_CALENDAR):
            res.append(f"{_MONTHS[w]}mo")  # "every year", "each month"
            k += 1
            continue
        res.append(w)
        k += 1
    return " ".join(_per_period(res))


_TIMES = {"twice": 2, "thrice": 3}


def _per_period(words: list[str]) -> list[str]:
    """Frequencies stated as a count per period read as "every" a period: "twice a
    year" = "every 6mo", "three times a term" stays "3 times every term" (a term does not
    divide), "twice weekly" = "every 84h"."""
    out: list[str] = []
    k = 0
    while k < len(words):
        w = words[k]
        n = _TIMES.get(w)
        j = k + 1
        if n is None and w.isdigit() and j < len(words) and words[j] == "times":
            n, j = int(w), j + 1
        if n is None:
            out.append(w)
            k += 1
            continue
        if j < len(words) and words[j] == "every":
            j += 1
        period = words[j] if j < len(words) else ""
        m = re.fullmatch(r"(\d+)(h|mo)", period)
        if m and int(m.group(1)) % n == 0:
            out += ["every", f"{int(m.group(1)) // n}{m.group(2)}"]
        elif m or period == "term":
            out += [str(n), "times", "every", period]
        else:
            out += words[k:j + 1]
        k = j + 1
    return out


def _in_spans(tok: Token, spans: list[Span]) -> Span | None:
    for s in spans:
        if s.start <= tok.i < s.end:
            return s
    return None


def _standing(span: Span, role_spans: list[Span], pack: Pack, parsed: bool) -> str:
    """``actor``, ``modifier`` ("social worker visits") or ``none`` (possessive, subject)."""
    role = pack.roles.get(span.label_)
    if role is None or role.cls == "subject":
        return "none"
    if _quoted(span):
        return "none"  # part of a quoted title: 'the advice "... for practitioners"'
    if _in_example(span, role_spans):
        return "none"  # "(e.g. a teacher)", ", such as a teacher,": an illustration, not a party
    doc = span.doc
    nxt = doc[span.end] if span.end < len(doc) else None
    if nxt is not None and nxt.text in _POSSESSIVE:
        return "none"
    if parsed:
        root = span.root
        if root.dep_ == "poss":
            return "none"
        if root.dep_ == "pobj" and root.head.dep_ == "prep":
            if _co_actor(root.head, role_spans):
                return "actor"  # "the social worker, together with the team manager, should decide"
            if _in_spans(root.head.head, role_spans) is not None:
                return "modifier"  # "the designated safeguarding lead from the child's school"
        if root.dep_ in ("compound", "amod", "nmod") and not (span.start <= root.head.i < span.end):
            head = root.head
            if head.pos_ in ("NOUN", "PROPN") and head.i > root.i:
                return "modifier"
    else:
        if nxt is not None and (nxt.lower_ in _MODIFIED_NOUNS or _in_spans(nxt, role_spans) is not None):
            return "modifier"
    return "actor"


def _quoted(span: Span) -> bool:
    """Inside quotation marks (a document's title, a quoted phrase): named, not acting.

    Straight double quotes count by parity, curly double quotes by balance; single
    quotes (straight or curly) by ``single_quoted_ranges``, which tells quotation marks
    from apostrophes ("the children's social worker", "parents' views").
    """
    text = span.doc.text
    before = text[: span.start_char]
    after = text[span.end_char:].lstrip()
    if before.rstrip()[-1:] in ('"', "“", "‘", "'") and after[:1] in ('"', "”", "’", "'"):
        return False  # the quote is the role word itself: a term defined or renamed
    if before.count('"') % 2 == 1:
        return True
    if before.count("“") > before.count("”"):
        return True
    return any(a < span.start_char and span.end_char <= b for a, b in single_quoted_ranges(text))


_OPEN_BEFORE = set("([{/—–-")
_CLOSE_AFTER = set(".,;:!?)]}/—–-")


def single_quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges ``(open, close)`` quoted in single quotes, straight or curly.

    An opening quote follows the start, a space or a bracket and comes before a
    non-space; a closing quote follows a non-space and comes before a space,
    punctuation or the end. An apostrophe inside a word ("children's") is neither, and a
    plural possessive ("parents' views") closes nothing when no quote is open.

    >>> single_quoted_ranges("read 'Roles of the director of children's services' (2013)")
    [(5, 50)]
    >>> single_quoted_ranges("the children's social worker and parents' views")
    []
    """
    out: list[tuple[int, int]] = []
    start = -1
    n = len(text)
    for i, ch in enumerate(text):
        if ch not in ("'", "\u2018", "\u2019"):
            continue
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < n else ""
        if start < 0:
            if ch != "\u2019" and (not prev or prev.isspace() or prev in _OPEN_BEFORE) and nxt and not nxt.isspace():
                start = i
        elif ch != "\u2018" and prev and not prev.isspace() and (not nxt or nxt.isspace() or nxt in _CLOSE_AFTER):
            out.append((start, i))
            start = -1
    return out


_EXAMPLE_INTRO = (("for", "example"), ("for", "instance"), ("such", "as"), ("e.g.",), ("eg",), ("e.g",), ("including",))
_EXAMPLE_OPENERS = {"(", ",", "[", "\u2014", "\u2013", "-", "--"}
_EXAMPLE_ITEM_STARTS = {"and", "or", "a", "an", "the", "any", "another", "other", "their", "its", "his", "her", "your"}


def _in_example(span: Span, role_spans: list[Span]) -> bool:
    """Is the role named only as an example, in a phrase set off by a bracket, comma or
    dash and introduced by "e.g.", "for example", "for instance", "such as" or
    "including" ("anyone in contact with the child (e.g. a teacher)", "a lead practitioner
    (for example, a teacher or a GP)", "Professionals, such as teachers, must report")?

    Walks back from the role through the example list (items joined by commas, "and",
    "or") to the introducer; a closing bracket, a clause mark or a modal on the way means
    the role stands outside any example.
    """
    doc = span.doc
    modal_at = {i for m in doc.spans.get(MODALS, []) for i in range(m.start, m.end)}
    sent_start = span.sent.start if doc.has_annotation("SENT_START") else 0
    k = span.start - 1
    nxt_modal = span.end in modal_at or (span.end + 1 in modal_at and doc[span.end].is_alpha)
    while k >= sent_start and span.start - k <= 30:
        tok = doc[k]
        low = tok.lower_
        for intro in _EXAMPLE_INTRO:
            a = k - len(intro) + 1
            if a >= sent_start and tuple(t.lower_ for t in doc[a:k + 1]) == intro:
                prev = doc[a - 1].text if a - 1 >= sent_start else ""
                # "such as" needs no comma ("staff such as teachers"); the rest are set off
                return prev in _EXAMPLE_OPENERS or (intro == ("such", "as") and a > sent_start)
        if low in (")", "]", ";", ":", ".", "(", "[") or k in modal_at:
            return False
        if low == ",":
            nxt = doc[k + 1]
            after_intro = any(
                k - len(i) >= sent_start and tuple(t.lower_ for t in doc[k - len(i):k]) == i for i in _EXAMPLE_INTRO
            )
            if not after_intro:
                if nxt_modal or (nxt.lower_ not in _EXAMPLE_ITEM_STARTS and _in_spans(nxt, role_spans) is None):
                    return False  # "such as schools, the DSL should": the list has ended
        k -= 1
    return False


_CO_ACTOR_PREPS = {"with", "alongside", "beside"}
_CO_ACTOR_HEADS = {"together", "jointly", "along", "consultation", "conjunction", "partnership", "agreement", "discussion", "collaboration"}


def _co_actor(prep: Token, role_spans: list[Span]) -> bool:
    """Is ``prep`` ("with", "alongside") attaching a co-actor to a role?

    "the social worker, with their manager, ..." / "the nurse, in consultation with the
    named doctor, ..." / "the headteacher (together with the DSL) ...": the role in the
    aside or parenthesis acts with the one it is attached to (or with the clause's subject).
    """
    if prep.lower_ not in _CO_ACTOR_PREPS:
        return False
    h = prep.head
    for _ in range(3):
        if _in_spans(h, role_spans) is not None:
            return h.dep_ in ("nsubj", "nsubjpass", "appos", "conj") or h.i < prep.i
        if h.lower_ in _CO_ACTOR_HEADS or h.dep_ in ("prep", "pobj", "advmod"):
            h = h.head
            continue
        if h.pos_ in ("VERB", "AUX"):
            # "The nurse, in consultation with the doctor, must decide": an aside set off
            # between the subject and its verb
            subj = next((c for c in h.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            return subj is not None and subj.i < prep.i < h.i and _in_spans(subj, role_spans) is not None
        return False
    return False


_CLIMB = ("conj", "xcomp", "advcl", "ccomp", "dep", "parataxis")


def _subject(tok: Token) -> Token | None:
    """The duty holder of the modal ``tok``: its clause's subject, carried across verbs
    joined by "and"/"or"; for a passive ("must be told"), the "by" agent or none."""
    verb = tok.head if tok.dep_ in ("aux", "auxpass") else tok
    for _ in range(4):
        for c in verb.children:
            if c.dep_ in ("nsubj", "expl"):
                return c
            if c.dep_ == "nsubjpass":
                return _agent(verb)
        if verb.dep_ in _CLIMB and verb.head is not verb:
            verb = verb.head
        else:
            break
    return None


def _agent(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ == "agent":
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


def _main_clause(tok: Token) -> bool:
    """Is the modal ``tok`` in a main clause (not a subordinate, relative or wh-clause)?"""
    verb = tok.head if tok.dep_ in ("aux", "auxpass") else tok
    for _ in range(6):
        if verb.dep_ == "ROOT":
            return True
        if verb.dep_ in ("conj", "dep", "parataxis") and verb.head is not verb:
            verb = verb.head
            continue
        return False
    return False


def _role_of(tok: Token | None, roles: list[tuple[Span, bool]]) -> str | None:
    if tok is None:
        return None
    for s, acc in roles:
        if acc and s.start <= tok.i < s.end:
            return s.label_
    for s, acc in roles:  # a subject's conjunct: "the social worker and their manager"
        if acc and any(s.start <= t.i < s.end for t in tok.subtree) and s.start < tok.i + 8:
            return s.label_
    return None


def analyse_doc(doc: Doc, pack: Pack, parsed: bool, whole: bool = False) -> list[Sentence]:
    """The sentences of ``doc`` with their mentions (offsets relative to each sentence).

    With ``whole``, the doc is one sentence already split by the caller, and one
    ``Sentence`` comes back whatever the parser thinks of its boundaries.
    """
    modal_rules = {r.id: r for r in pack.modals}
    over_rules = {r.id: r for r in pack.oversight}
    all_roles = list(doc.spans.get(ROLES, []))
    out: list[Sentence] = []
    for sent in ([doc[:]] if whole else doc.sents):
        s0 = sent.start_char
        within = [s for s in all_roles if s.start >= sent.start and s.end <= sent.end]
        standing = [(s, _standing(s, all_roles, pack, parsed)) for s in within]
        roles = [(s, st == "actor") for s, st in standing]
        mentions: list[Mention] = []
        for s, st in standing:
            mentions.append(Mention("role", s.label_, s.start_char - s0, s.end_char - s0, s.text, f"role:{s.label_}", accountable=st == "actor", modifier=st == "modifier"))
        for s in doc.spans.get(MODALS, []):
            if not (s.start >= sent.start and s.end <= sent.end):
                continue
            rule = modal_rules.get(s.label_)
            if rule is None:
                continue
            first = s[0]
            if first.lower_ in ("may", "can", "will", "might", "could") and len(s) == 1:
                if first.text == "May" and first.i != sent.start:
                    continue  # the month
                if parsed and first.tag_ != "MD":
                    continue
            if first.lower_ == "should" and first.i == sent.start and first.i + 1 < len(doc) and doc[first.i + 1].lower_ in ("the", "a", "an", "any", "this", "there"):
                continue  # "Should the child ...": a condition, not a duty
            subj = _subject(first) if parsed else None
            if first.lower_ == "it" and len(s) > 2:
                # impersonal advice: "it is good practice for the local authority to
                # offer", "it is expected that the DSL ...": the duty holder follows
                actor = next((rs.label_ for rs, acc in roles if acc and s.end <= rs.start <= s.end + 2), None)
            elif parsed:
                actor = _role_of(subj, roles)
            elif _passive_after(doc, s.end):
                actor = _by_agent(doc, s.end, sent.end, roles)
            else:
                actor = None
                for rs, acc in reversed(roles):
                    if acc and rs.end <= s.start and not _clause_break(doc, rs.end, s.start):
                        actor = rs.label_
                        break
            if rule.duty_will and not _will_is_duty(first, subj, actor, roles, pack, parsed):
                continue
            nxt = doc[s.end] if s.end < len(doc) else None
            negated = rule.negated or (nxt is not None and nxt.lower_ in ("not", "never", "n't"))
            mentions.append(Mention("modal", rule.strength or "should", s.start_char - s0, s.end_char - s0, s.text, f"modal:{rule.id}", actor=actor, negated=negated, head=first.idx - s0))
        for s in doc.spans.get(OVERSIGHT, []):
            if not (s.start >= sent.start and s.end <= sent.end):
                continue
            nxt = doc[s.end] if s.end < len(doc) else None
            if nxt is not None and nxt.lower_ in ("order", "orders"):
                continue  # a supervision order is a court order, not oversight
            if any(r.start < s.end and s.start < r.end for r in within):
                continue  # part of a role's name ("supervising social worker", "approved mental health professional")
            rule = over_rules.get(s.label_)
            mentions.append(Mention("oversight", rule.mechanism if rule and rule.mechanism else s.label_, s.start_char - s0, s.end_char - s0, s.text, f"oversight:{s.label_}"))
        for s in doc.spans.get(TIMESCALES, []):
            if not (s.start >= sent.start and s.end <= sent.end):
                continue
            mentions.append(Mention("timescale", normalise_timescale(s.text), s.start_char - s0, s.end_char - s0, s.text, f"timescale:{s.label_}"))
        mentions.sort(key=lambda m: (m.start, m.kind))
        out.append(Sentence(text=doc.text[s0:sent.end_char], start=s0, mentions=tuple(mentions)))
    return out


_SUBORDINATORS = {
    "how", "when", "whenever", "where", "whether", "if", "that", "which", "who", "whom", "whose", "what", "why",
    "because", "although", "though", "while", "whilst", "unless", "until", "once", "so", "as", "since", "after", "before",
}
_PASSIVE_BE = {"be", "been"}
_NOT_PARTICIPLES = {"need", "speed", "seed", "feed", "breed", "open", "even", "often", "seen_as"}
_IRREGULAR_PARTICIPLES = {
    "told", "given", "sent", "made", "seen", "kept", "held", "shown", "taken", "written", "done", "known",
    "brought", "sought", "put", "set", "met", "heard", "read", "paid", "found", "left", "led", "run",
}


def _passive_after(doc: Doc, k: int) -> bool:
    """Rules only: does a passive ("must be told", "should be agreed") follow position k?"""
    while k < len(doc) and doc[k].lower_ in ("not", "never", "also", "always", "then", "normally", "usually"):
        k += 1
    if k + 1 >= len(doc) or doc[k].lower_ not in _PASSIVE_BE:
        return False
    w = doc[k + 1].lower_
    return (w.endswith("ed") and w not in _NOT_PARTICIPLES) or w in _IRREGULAR_PARTICIPLES


def _by_agent(doc: Doc, k: int, end: int, roles: list[tuple[Span, bool]]) -> str | None:
    for i in range(k, min(end, k + 12)):
        if doc[i].lower_ == "by":
            for rs, acc in roles:
                if acc and i < rs.start <= i + 4:
                    return rs.label_
        if doc[i].text in (".", ";", ":"):
            break
    return None


def _clause_break(doc: Doc, a: int, b: int) -> bool:
    """Rules only: a subordinator between a role (ending at a) and a modal (at b) that
    starts a new clause with its own subject ("the partners ..., including how they will")."""
    for i in range(a, b):
        if doc[i].lower_ in _SUBORDINATORS:
            return any(doc[j].lower_ in _WILL_SUBJECT_PRONOUNS | {"it"} for j in range(i + 1, b))
    return False


def _will_is_duty(tok: Token, subj: Token | None, actor: str | None, roles: list[tuple[Span, bool]], pack: Pack, parsed: bool) -> bool:
    """"will" states a duty only in a main clause whose subject is a role ("The local
    authority will provide ..."), not a prediction ("this will help") or a subordinate,
    relative or wh-clause ("..., including how they will hold one another to account")."""
    if parsed:
        if subj is None or subj.lower_ in pack.non_duty_will_subjects:
            return False
        return actor is not None and _main_clause(tok)
    doc = tok.doc
    k = tok.i - 1
    while k >= 0 and doc[k].lower_ in _SKIP_BEFORE_WILL:
        k -= 1
    if k < 0:
        return False
    prev = doc[k]
    if prev.lower_ in pack.non_duty_will_subjects:
        return False
    span = next((s for s, acc in roles if acc and s.start <= prev.i < s.end), None)
    if span is None:
        return False
    start = next((i for i in range(span.start - 1, -1, -1) if doc[i].text in (",", ";", ":", "(") or doc[i].is_sent_start), 0)
    return not any(doc[i].lower_ in _SUBORDINATORS for i in range(start, span.start))


def count_roles(spans: list[Span], pack: Pack, counts: dict[str, int]) -> None:
    """Add each non-subject role mention in ``spans`` to ``counts``."""
    for s in spans:
        r = pack.roles.get(s.label_)
        if r is not None and r.cls != "subject":
            counts[r.id] = counts.get(r.id, 0) + 1
