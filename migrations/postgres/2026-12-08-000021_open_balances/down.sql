DROP TABLE open_balances;
