"""Partners: what needs doing (reminders), the board by stage, the scorecard across partners and
their joint projects; `?partner=<id>` opens one partner's profile."""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import csv_download, escaped, require_app_entry, warehouse_problem
from pages._partner_forms import NOTICE, days_ago, partner_form, shown, translated
from pages._partner_profile import show_partner
from warehouse import partners
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import _

SHOWN_REMINDERS = 15

require_app_entry("manager")

if st.query_params.get("partner"):
    show_partner(st.query_params["partner"])
    st.stop()

st.title(_("Partners"))
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

with st.expander(_("New partner"), icon=":material/add:", expanded=False):
    saved = partner_form("new_partner")
    if saved is not None:
        if not saved.applied:
            st.info(_("Saved. A refresh is running; the partner appears when it finishes."))
        else:
            st.session_state[NOTICE] = _("Partner added.")
            st.query_params["partner"] = saved.id
            st.rerun()

try:
    today = partners.today()
    card = partners.scorecard(today)
    due = partners.reminders(today)
    listed_projects = partners.projects()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

if card.is_empty():
    st.info(_("No partners yet. Add the first one with **New partner** above."))
    st.stop()


def _link(partner_id: str, name: str) -> str:
    return f"[{escaped(name)}](/partners?partner={partner_id})"


# --- reminders -----------------------------------------------------------------------------
if due.is_empty():
    st.success(
        _("Nothing overdue: every next step is on time and every partner recently heard from.")
    )
else:
    with st.container(border=True):
        st.markdown(_(":material/alarm: **Reminders: {count}**", count=due.height))
        for row in due.head(SHOWN_REMINDERS).iter_rows(named=True):
            label = partners.REMINDER_LABELS[row["reminder"]]  # {days}: in "no contact" only
            what = _(label, days=partners.NO_CONTACT_DAYS)
            since = f"{row['since_on']:%d.%m.%Y}"
            if row["reminder"] == "overdue_step":
                detail = _("“{step}”, due {day}", step=escaped(row["detail"]), day=since)
            elif row["reminder"] == "no_contact":
                detail = _("last contact {day} ({days} days)", day=since, days=row["days"])
            else:
                detail = _(
                    "“{project}” ended; thanks due {day}", project=escaped(row["detail"]), day=since
                )
            owner = f" · {escaped(row['owner'])}" if row["owner"] else ""
            st.markdown(
                f"- {what} — {_link(row['partner_id'], row['partner_name'])}: {detail}{owner}"
            )
        if due.height > SHOWN_REMINDERS:
            st.caption(_("…and {count} more.", count=due.height - SHOWN_REMINDERS))

# --- the board -----------------------------------------------------------------------------
st.subheader(_("Board"))
for column, stage in zip(st.columns(len(partners.STAGES)), partners.STAGES, strict=True):
    in_stage = card.filter(pl.col("stage") == stage)
    column.markdown(f"**{shown(partners.STAGE_LABELS, stage)}** ({in_stage.height})")
    for row in in_stage.iter_rows(named=True):
        with column.container(border=True):
            st.markdown(_link(row["partner_id"], row["name"]))
            facts = [
                shown(partners.TYPE_LABELS, row["partner_type"]),
                _("contact {when}", when=days_ago(row["last_contact_on"], today)),
            ]
            if row["overdue_steps"]:
                facts.append(_(":red[{count} overdue]", count=row["overdue_steps"]))
            st.caption(" · ".join(facts))

# --- what partners brought -----------------------------------------------------------------
st.subheader(_("Scorecard"))
table = card.select(
    "name",
    "stage",
    "owner",
    "new_members",
    "registrations",
    "uplift_pct",
    "interactions_90d",
    "days_since_contact",
    "overdue_steps",
    "projects",
    ("/partners?partner=" + pl.col("partner_id")).alias("open"),
).with_columns(
    pl.col("stage").replace_strict(translated(partners.STAGE_LABELS), default=pl.col("stage"))
)
brought = table.filter((pl.col("new_members") > 0) | (pl.col("registrations") > 0))
if not brought.is_empty():
    # the bars' series named in the reader's language (legend and tooltip show them)
    series = {"new_members": _("New members"), "registrations": _("Registrations")}
    chart_data = (
        brought.select("name", "new_members", "registrations")
        .unpivot(index="name", variable_name="what", value_name="people")
        .with_columns(pl.col("what").replace_strict(series))
    )
    chart = (
        alt.Chart(chart_data)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220)),
            x=alt.X("people:Q", title=_("People"), axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color("what:N", title=None, scale=alt.Scale(domain=list(series.values()))),
            yOffset="what:N",
            tooltip=[
                alt.Tooltip("name:N", title=_("Partner")),
                alt.Tooltip("what:N", title=_("Measure")),
                alt.Tooltip("people:Q", title=_("People")),
            ],
        )
        .properties(title=_("What partners brought (all time)"), height=36 * brought.height + 40)
    )
    st.altair_chart(chart, width="stretch")
    csv_download(brought.drop("open"), "partners-brought")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "name": _("Partner"),
        "stage": _("Stage"),
        "owner": _("Owner"),
        "new_members": st.column_config.NumberColumn(
            _("New members"), help=_("Members its joint projects brought (each once).")
        ),
        "registrations": st.column_config.NumberColumn(
            _("Registrations"), help=_("Event registrations through its projects' tracking codes.")
        ),
        "uplift_pct": st.column_config.NumberColumn(
            _("Uplift"), format="%.1f %%", help=_("Activity 60 days after vs before taking part.")
        ),
        "interactions_90d": st.column_config.NumberColumn(_("Interactions (90 d)")),
        "days_since_contact": st.column_config.NumberColumn(_("Days since contact")),
        "overdue_steps": st.column_config.NumberColumn(_("Overdue steps")),
        "projects": st.column_config.NumberColumn(_("Projects")),
        "open": st.column_config.LinkColumn("", display_text=_("Open")),
    },
)
csv_download(table.drop("open"), "partners-scorecard")

# --- joint projects ------------------------------------------------------------------------
if not listed_projects.is_empty():
    st.subheader(_("Joint projects"))
    projects_table = listed_projects.select(
        "title",
        pl.col("partner_names").list.join(", ").alias("partners"),
        "starts_on",
        "ends_on",
        pl.col("goal_metric")
        .replace_strict(translated(partners.METRIC_LABELS), default=None)
        .alias("goal"),
        "goal_target",
        "goal_actual",
        "goal_pct",
        "new_members",
        "registrations",
        "reach",
        "uplift_pct",
    )
    st.dataframe(
        projects_table,
        hide_index=True,
        width="stretch",
        column_config={
            "title": _("Project"),
            "partners": _("Partners"),
            "starts_on": st.column_config.DateColumn(_("First day"), format="DD.MM.YYYY"),
            "ends_on": st.column_config.DateColumn(_("Last day"), format="DD.MM.YYYY"),
            "goal": _("Goal"),
            "goal_target": st.column_config.NumberColumn(_("Target")),
            "goal_actual": st.column_config.NumberColumn(_("Actual")),
            "goal_pct": st.column_config.ProgressColumn(
                _("% of target"), format="%.0f %%", min_value=0, max_value=100
            ),
            "new_members": st.column_config.NumberColumn(_("New members")),
            "registrations": st.column_config.NumberColumn(_("Registrations")),
            "reach": st.column_config.NumberColumn(
                _("Reach"), help=_("Views of our posts with a code.")
            ),
            "uplift_pct": st.column_config.NumberColumn(_("Uplift"), format="%.1f %%"),
        },
    )
    csv_download(projects_table, "joint-projects")
