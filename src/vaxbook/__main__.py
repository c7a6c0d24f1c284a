from vaxbook.cli import app

app()
