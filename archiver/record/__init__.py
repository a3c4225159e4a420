"""What a record is: the items that flow through a crawl, the one path from a response to an article
record, its JSON line, reading records back, and the JSON Schema they are checked against."""
