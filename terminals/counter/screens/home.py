"""The home screen: the status bar and the actions, nothing else."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from terminals.counter.pages import CounterDep, LangDep, render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    return render(counter, lang, "/", "home.html")
