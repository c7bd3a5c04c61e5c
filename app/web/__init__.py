"""What every page shares: dependencies, error pages, the home page, health."""
