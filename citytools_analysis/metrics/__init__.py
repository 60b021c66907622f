"""The findings: market, contracts, collaboration, satisfaction, skills, maturity, interoperability, hosting, coverage, recommendations."""
