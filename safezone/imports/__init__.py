"""The one tabular-import pipeline: CSV and XLSX files, a validation report, a dry run first,
then an atomic, repeatable, audited import. Import types declare their columns in `types`."""
