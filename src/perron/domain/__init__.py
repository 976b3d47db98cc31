"""Pure domain types and rules; imports nothing else of Perron."""
