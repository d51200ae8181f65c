DROP TABLE desk_members;
DROP TABLE desk_sla_targets;
DROP TABLE desks;
