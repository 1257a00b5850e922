"""Federation: what may leave this instance for another organisation's TAXII client (egress), and what
arrives from peers (imports). DESIGN.md, "Exchange and federation (third stage)"."""
