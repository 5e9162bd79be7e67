"""The web pages and their htmx partials, thin: a view finds what it shows through
``visible_to`` and the selectors, and changes data only by calling a service."""
