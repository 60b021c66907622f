"""City Tools: London — reading, cleaning and analysing London's local-government IT survey."""

__version__ = "0.1.0"
