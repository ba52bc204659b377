"""The Channels & content page's data: channels side by side, top posts, views and reactions over
time, how fast posts and questions get a response, and when members are active."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from warehouse import queries
from warehouse.connection import one_read_connection, read_connection
from warehouse.kpis import kpi_series, run_kpi_query
from warehouse.periods import Period

TOP_POSTS = 20


@dataclass(frozen=True)
class ChannelsContent:
    channels: pl.DataFrame | None  # one row per channel; None when one channel is shown
    top_posts: pl.DataFrame
    daily_content: pl.DataFrame  # posts, views, reactions per local day
    daily_activity: pl.DataFrame  # active members, messages per local day
    reaction_speed: pl.DataFrame  # weekly median minutes to a post's first reaction
    response_speed: pl.DataFrame  # weekly median minutes to a question's first answer
    heatmap: pl.DataFrame  # weekday × hour → activities


def top_posts(period: Period, channel: str | None = None, limit: int = TOP_POSTS) -> pl.DataFrame:
    def compute() -> pl.DataFrame:
        with read_connection() as con:
            return run_kpi_query(con, "top_posts", {**period.params(channel), "limit": limit})

    return queries.cached(("top_posts", period, channel, limit), compute)


def activity_heatmap(period: Period, channel: str | None = None) -> pl.DataFrame:
    def compute() -> pl.DataFrame:
        with read_connection() as con:
            return kpi_series(con, "activity_heatmap", period, channel)

    return queries.cached(("activity_heatmap", period, channel), compute)


def channels_content(period: Period, channel: str | None = None) -> ChannelsContent:
    with one_read_connection():  # seven queries: open the warehouse once for them
        return ChannelsContent(
            channels=queries.channel_table(period) if channel is None else None,
            top_posts=top_posts(period, channel),
            daily_content=queries.series("content", period, channel),
            daily_activity=queries.series("activity", period, channel),
            reaction_speed=queries.series("first_reaction_weekly", period, channel),
            response_speed=queries.series("first_response_weekly", period, channel),
            heatmap=activity_heatmap(period, channel),
        )
