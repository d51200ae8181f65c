DROP TABLE stock_movements;
DROP TABLE stock_levels;
DROP TABLE items;
DROP TABLE stock_locations;
