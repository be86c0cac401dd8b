"""Typed keys for what the web app factory puts on the aiohttp app."""

from __future__ import annotations

from aiohttp import web
from telegram.ext import Application

from bot.roots.config import Settings
from bot.usecases.context import Core
from notifications.dispatcher import Dispatcher

CORE = web.AppKey("core", Core)
SETTINGS = web.AppKey("settings", Settings)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
TELEGRAM = web.AppKey("telegram", Application)
