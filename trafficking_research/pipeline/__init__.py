"""The reproduction pipeline: notebooks, their parameters, execution with papermill, caching and the report."""
