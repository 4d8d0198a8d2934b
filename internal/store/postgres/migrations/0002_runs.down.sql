DROP TABLE run_inputs;
DROP TABLE runs;
