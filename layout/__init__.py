"""Chinese newspaper typesetting: issue XML → print PDF, EPUB 3, ALTO, METS, PDF/A.

The pipeline is visible in the package layout:
``read`` (XML → immutable model) → ``compose`` (backend-free lines, columns, frames)
→ ``render`` (PDF, EPUB, ALTO, METS).  ``fonts`` supplies metrics and font files to all.
"""

__version__ = "0.1.0"
