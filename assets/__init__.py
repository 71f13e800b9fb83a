"""Ad creatives: upload validation, normalisation, renditions and content-addressed storage."""
