"""The impact preview (DESIGN §12): what one change would do, before it is made."""
