"""Many games at once: batches of headless games and what is computed over them."""
