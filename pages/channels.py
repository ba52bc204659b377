"""Channels & content: which channels work, which posts land, how fast the community responds,
and when members are active."""

import altair as alt
import polars as pl
import streamlit as st
from babel.dates import get_day_names

from pages._access import may_see_people
from pages._common import (
    channel_column,
    csv_download,
    filters,
    number_column,
    period_label,
    require_app_entry,
    warehouse_problem,
)
from warehouse.channels_content import channels_content
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import N_, _, language

# channel measures to put side by side: column → (label, number format)
MEASURES = {
    "active_members": (N_("Active members"), ",.0f"),
    "members_total": (N_("Members"), ",.0f"),
    "members_joined": (N_("Joined"), ",.0f"),
    "messages": (N_("Messages"), ",.0f"),
    "posts": (N_("Posts"), ",.0f"),
    "views": (N_("Views"), ",.0f"),
    "engagement_rate_pct": (N_("Engagement rate, %"), ",.1f"),
    "first_response_median_minutes": (N_("First response, min"), ",.0f"),
    "event_registrations": (N_("Event registrations"), ",.0f"),
    "registration_attendance_pct": (N_("Registration → attendance, %"), ",.1f"),
}
# code words of the data, as people read them (the CSV downloads keep the codes)
KIND_LABELS = {
    "chat": N_("Chat"),
    "broadcast": N_("Broadcast"),
    "forum": N_("Forum"),
    "newsletter": N_("Newsletter"),
    "events": N_("Events"),
    "offline": N_("Offline"),
}
MEDIA_LABELS = {
    "photo": N_("Photo"),
    "video_file": N_("Video"),
    "video_message": N_("Video message"),
    "audio_file": N_("Audio"),
    "voice_message": N_("Voice message"),
    "animation": N_("Animation"),
    "sticker": N_("Sticker"),
    "file": N_("File"),
    "poll": N_("Poll"),
    "location_information": N_("Location"),
    "contact_information": N_("Contact card"),
}


def _shown(column: str, labels: dict[str, str]) -> pl.Expr:
    """A column of code words with the known ones in the reader's language."""
    return pl.col(column).replace({code: _(label) for code, label in labels.items()})


require_app_entry()
period, channel = filters()
st.title(_("Channels & content"))
st.caption(period_label(period))
try:
    data = channels_content(period, channel)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

if data.channels is not None and data.channels.height:
    st.subheader(_("Channels side by side"))
    measure = (
        st.segmented_control(
            _("Compare by"),
            list(MEASURES),
            default="active_members",
            format_func=lambda m: _(MEASURES[m][0]),
            key="channels_measure",
        )
        or "active_members"
    )
    label, number_format = _(MEASURES[measure][0]), MEASURES[measure][1]
    st.altair_chart(
        alt.Chart(data.channels)
        .mark_bar()
        .encode(
            alt.X(f"{measure}:Q", title=label, axis=alt.Axis(format=number_format)),
            alt.Y("name:N", title=None, sort="-x"),
            alt.Color("platform:N", title=_("Platform")),
            tooltip=[
                alt.Tooltip("name:N", title=_("Channel")),
                alt.Tooltip("platform:N", title=_("Platform")),
                alt.Tooltip(f"{measure}:Q", title=label, format=number_format),
            ],
        ),
        width="stretch",
    )
    shown = [m for m in MEASURES if m in data.channels.columns]
    st.dataframe(
        data.channels.select("name", "platform", "kind", *shown).with_columns(
            _shown("kind", KIND_LABELS)
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "name": _("Channel"),
            "platform": _("Platform"),
            "kind": _("Kind"),
            **{m: channel_column(m) for m in shown},
        },
    )
    csv_download(data.channels, "channel_effectiveness")

st.subheader(_("Top posts"))
# a post's text may be a member's message: viewers and shared links see the numbers only
top_posts = data.top_posts if may_see_people() else data.top_posts.drop("excerpt")
if top_posts.is_empty():
    st.caption(_("No posts published in this period."))
else:
    st.dataframe(
        top_posts.drop("content_id").with_columns(_shown("media_type", MEDIA_LABELS)),
        hide_index=True,
        width="stretch",
        column_config={
            "channel_name": _("Channel"),
            "platform": _("Platform"),
            "published_at": st.column_config.DatetimeColumn(
                _("Published (UTC)"), format="D MMM, HH:mm"
            ),
            "excerpt": st.column_config.TextColumn(_("Post"), width="large"),
            "media_type": _("Attachment"),
            "views": st.column_config.NumberColumn(_("Views"), format="%d"),
            "reactions": st.column_config.NumberColumn(_("Reactions"), format="%d"),
            "replies": st.column_config.NumberColumn(_("Replies"), format="%d"),
            "shares": st.column_config.NumberColumn(_("Shares"), format="%d"),
            "engagement_rate_pct": number_column("engagement_rate_pct"),
        },
    )
    csv_download(top_posts, "top_posts")

left, right = st.columns(2)
with left:
    st.subheader(_("Views and reactions"))
    daily = data.daily_content
    base = alt.Chart(daily).encode(alt.X("day:T", title=None))
    st.altair_chart(
        alt.layer(
            base.mark_bar(opacity=0.35).encode(
                alt.Y("views:Q", title=_("Views")),
                tooltip=[
                    alt.Tooltip("day:T", title=_("Day")),
                    alt.Tooltip("views:Q", title=_("Views"), format=","),
                ],
            ),
            base.mark_line(color="#f97316").encode(
                alt.Y("reactions:Q", title=_("Reactions, comments, replies")),
                tooltip=[
                    alt.Tooltip("day:T", title=_("Day")),
                    alt.Tooltip("reactions:Q", title=_("Reactions"), format=","),
                    alt.Tooltip("posts:Q", title=_("Posts"), format=","),
                ],
            ),
        ).resolve_scale(y="independent"),
        width="stretch",
    )
    st.caption(_("Bars: views of the day's posts. Line: the reactions they drew."))
    csv_download(daily, "views_and_reactions_per_day")
with right:
    st.subheader(_("Messages per day"))
    st.altair_chart(
        alt.Chart(data.daily_activity)
        .mark_bar()
        .encode(
            alt.X("day:T", title=None),
            alt.Y("messages:Q", title=_("Messages")),
            tooltip=[
                alt.Tooltip("day:T", title=_("Day")),
                alt.Tooltip("messages:Q", title=_("Messages"), format=","),
                alt.Tooltip("active_members:Q", title=_("Active members"), format=","),
            ],
        ),
        width="stretch",
    )
    csv_download(data.daily_activity, "messages_per_day")

left, right = st.columns(2)
with left:
    st.subheader(_("How fast the community responds"))
    speed = pl.concat(
        [
            data.reaction_speed.select(
                "week",
                pl.lit(_("First reaction to a post")).alias("measure"),
                pl.col("first_reaction_median_minutes").alias("minutes"),
            ),
            data.response_speed.select(
                "week",
                pl.lit(_("First answer to a question")).alias("measure"),
                pl.col("first_response_median_minutes").alias("minutes"),
            ),
        ]
    )
    st.altair_chart(
        alt.Chart(speed)
        .mark_line(point=True)
        .encode(
            alt.X("week:T", title=_("Week starting")),
            alt.Y("minutes:Q", title=_("Median minutes")),
            alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("week:T", title=_("Week")),
                alt.Tooltip("measure:N", title=_("Measure")),
                alt.Tooltip("minutes:Q", title=_("Median minutes"), format=",.0f"),
            ],
        ),
        width="stretch",
    )
    csv_download(speed, "response_speed_per_week")
with right:
    st.subheader(_("When members are active"))
    # Monday first (ISO weekday 1), short, in the reader's language: "Mon", "пн"
    names = get_day_names("abbreviated", context="stand-alone", locale=language())
    weekdays = [names[d] for d in range(7)]
    heatmap = data.heatmap.with_columns(
        pl.col("weekday")
        .replace_strict(dict(enumerate(weekdays, start=1)), return_dtype=pl.String)
        .alias("day")
    )
    st.altair_chart(
        alt.Chart(heatmap)
        .mark_rect()
        .encode(
            alt.X("hour:O", title=_("Hour (community time)")),
            alt.Y("day:N", title=None, sort=weekdays),
            alt.Color("activities:Q", title=_("Activities"), scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("day:N", title=_("Day")),
                alt.Tooltip("hour:O", title=_("Hour")),
                alt.Tooltip("activities:Q", title=_("Activities"), format=","),
            ],
        ),
        width="stretch",
    )
    csv_download(data.heatmap, "activity_by_weekday_and_hour")
