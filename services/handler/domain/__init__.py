"""Pure domain code: parsing what users type, and the tracker's arithmetic. No I/O here."""
