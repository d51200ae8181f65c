DROP TABLE budget_actuals;
