DROP TABLE tickets_search;
DROP TABLE time_entries;
DROP TABLE ticket_comments;
DROP TABLE ticket_links;
DROP TABLE ticket_tags;
DROP TABLE tickets;
