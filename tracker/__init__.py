"""guidance-tracker: what changed in who is accountable for what.

Public API::

    from tracker import compare_texts, compare_files
    report = compare_texts(old_text, new_text)
    report.to_dict()   # matches shared/spec/report.schema.json
"""

from tracker.compare import compare_documents, compare_files, compare_texts
from tracker.models import Report

__version__ = "0.1.0"
__all__ = ["Report", "__version__", "compare_documents", "compare_files", "compare_texts"]
