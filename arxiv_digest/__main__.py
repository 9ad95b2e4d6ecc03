from arxiv_digest.cli import app

app()
