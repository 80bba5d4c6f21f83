"""Tech Insights-compatible routes: the shapes Backstage's tech-insights backend answers with."""
