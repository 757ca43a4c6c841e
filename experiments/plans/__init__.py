"""Season plans for one runner: week plans to dated days (`season_plan`), the article's rules
(`rules`), and the export formats CSV, JSON, Markdown and iCalendar (`formats`)."""
