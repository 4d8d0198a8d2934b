DROP TABLE lineage;
DROP TABLE versions;
DROP TABLE datasets;
