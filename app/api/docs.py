"""The API's description: /api/v1/openapi.json (generated, app/api/spec.py) and the interactive docs at
/api/v1/docs, Swagger UI served from the installed flask-swagger-ui package's files (no CDN: air-gapped
sites read it too). Open to everyone: it describes the API, never a record.
"""
from pathlib import Path

import flask_swagger_ui
from flask import abort
from flask import jsonify
from flask import render_template
from flask import send_from_directory

from app.api import bp
from app.api.spec import openapi_document

SWAGGER_UI = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                    "favicon-32x32.png", "favicon-16x16.png"})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/docs")
def docs():
    return render_template("api/docs.html")


@bp.get("/docs/assets/<name>")
def docs_asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(SWAGGER_UI, name, max_age=3600)
