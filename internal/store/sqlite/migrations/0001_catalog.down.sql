DROP INDEX lineage_parent_idx;
DROP TABLE lineage;
DROP TABLE versions;
DROP TABLE datasets;
