"""Server-rendered pages and the aiohttp application that serves them and the API."""
