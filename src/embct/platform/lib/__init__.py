"""Framework-free helpers of the platform (no models, no requests): schedule arithmetic,
safe Markdown, front matter."""
