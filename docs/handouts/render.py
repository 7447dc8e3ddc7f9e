"""Render the demo organization's handouts to PNG images for the README.

    .venv/bin/python docs/handouts/render.py

Loads the demo into a throwaway SQLite database, asks the app for each handout as a
PDF, and writes the first page of each as docs/handouts/<name>.png (pdftoppm, 60 dpi).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from facilitator import create_app
from facilitator import demo
from facilitator import migrate
from facilitator.db import get_session
from facilitator.db import make_engine

HERE = Path(__file__).resolve().parent
HANDOUTS = {
    "group-one-pager": "/g/tuesday-night-womens-aa/handout.pdf",
    "group-one-pager-large-print": "/g/tuesday-night-womens-aa/handout.pdf?print=large",
    "directory": "/o/demo/directory.pdf",
    "check-in-card": "/manage/g/tuesday-night-womens-aa/meetings/1/checkin-card.pdf",
    "guidelines": "/g/clean-and-serene-na/guidelines.pdf",
    "attendance-report": "/audit/demo/attendance.pdf",
    "training-report": "/audit/demo/training.pdf",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.sqlite3"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "docs", "WTF_CSRF_ENABLED": False,
                          "SERVER_NAME": "meetings.example.org", "PREFERRED_URL_SCHEME": "https"})
        with app.app_context():
            demo.load_demo(get_session())
            get_session().commit()
        client = app.test_client()
        client.post("/login", data={"email": "jordan@demo.example", "password": demo.PASSWORD})
        for name, path in HANDOUTS.items():
            if name == "attendance-report":
                client.post("/logout")
                client.post("/login", data={"email": "auditor@demo.example",
                                            "password": demo.PASSWORD})
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            document = Path(folder) / f"{name}.pdf"
            document.write_bytes(response.data)
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", "1",  # noqa: S603,S607
                            "-l", "1", str(document), str(HERE / name)], check=True)
            print(f"docs/handouts/{name}.png")


if __name__ == "__main__":
    main()
