"""Typed keys for what the web app factory puts on the aiohttp app."""

from __future__ import annotations

from aiohttp import web
from telegram.ext import Application

from bot.usecases.context import Core
from handlers.update_pump import UpdatePump
from handlers.web_config import WebConfig
from notifications.dispatcher import Dispatcher

CORE = web.AppKey("core", Core)
CONFIG = web.AppKey("config", WebConfig)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
TELEGRAM = web.AppKey("telegram", Application)
PUMP = web.AppKey("update_pump", UpdatePump)
