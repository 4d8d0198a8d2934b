DROP TABLE retrain_policies;
