"""What screens see: the playlist document, the screen HTTP API and the browser player."""
