"""Pure code: knows no Flask and no database; takes plain values and returns values."""
