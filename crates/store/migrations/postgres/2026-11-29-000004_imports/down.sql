DROP TABLE import_layouts;
DROP TABLE imports;
