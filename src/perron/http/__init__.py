"""What the API and the web pages share of HTTP: typed dependencies (the database session, the
current user), problem details and the security middleware. Below :mod:`perron.api` and
:mod:`perron.web`, above the capabilities; neither front end imports the other."""
