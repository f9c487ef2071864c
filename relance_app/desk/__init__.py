"""What the desk shows besides forms: workspace numbers and chart, timeline entries, report helpers."""
