DROP TABLE budget_lines;
DROP TABLE budgets;
