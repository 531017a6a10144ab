# fastvars._json exposes only C-level functions (see _json.pxd); nothing to import.
