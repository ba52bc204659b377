"""Partners: what needs doing (reminders), the board by stage, the scorecard across partners and
their joint projects; `?partner=<id>` opens one partner's profile."""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import csv_download, escaped, require_app_entry, warehouse_problem
from pages._partner_forms import (
    METRIC_LABELS,
    NOTICE,
    STAGE_LABELS,
    TYPE_LABELS,
    days_ago,
    partner_form,
)
from pages._partner_profile import show_partner
from warehouse import partners
from warehouse.connection import WarehouseBusy, WarehouseEmpty

REMINDERS = {
    "overdue_step": "Overdue next step",
    "no_contact": f"No contact for {partners.NO_CONTACT_DAYS}+ days",
    "no_thanks": "No thanks sent after the project",
}
SHOWN_REMINDERS = 15

require_app_entry()

if st.query_params.get("partner"):
    show_partner(st.query_params["partner"])
    st.stop()

st.title("Partners")
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

with st.expander("New partner", icon=":material/add:", expanded=False):
    saved = partner_form("new_partner")
    if saved is not None:
        if not saved.applied:
            st.info("Saved. A refresh is running; the partner appears when it finishes.")
        else:
            st.session_state[NOTICE] = "Partner added."
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
    st.info("No partners yet. Add the first one with **New partner** above.")
    st.stop()


def _link(partner_id: str, name: str) -> str:
    return f"[{escaped(name)}](/partners?partner={partner_id})"


# --- reminders -----------------------------------------------------------------------------
if due.is_empty():
    st.success("Nothing overdue: every next step is on time and every partner recently heard from.")
else:
    with st.container(border=True):
        st.markdown(f":material/alarm: **Reminders: {due.height}**")
        for row in due.head(SHOWN_REMINDERS).iter_rows(named=True):
            what = REMINDERS[row["reminder"]]
            if row["reminder"] == "overdue_step":
                detail = f"“{escaped(row['detail'])}”, due {row['since_on']:%d.%m.%Y}"
            elif row["reminder"] == "no_contact":
                detail = f"last contact {row['since_on']:%d.%m.%Y} ({row['days']} days)"
            else:
                detail = f"“{escaped(row['detail'])}” ended; thanks due {row['since_on']:%d.%m.%Y}"
            owner = f" · {escaped(row['owner'])}" if row["owner"] else ""
            st.markdown(
                f"- {what} — {_link(row['partner_id'], row['partner_name'])}: {detail}{owner}"
            )
        if due.height > SHOWN_REMINDERS:
            st.caption(f"…and {due.height - SHOWN_REMINDERS} more.")

# --- the board -----------------------------------------------------------------------------
st.subheader("Board")
for column, stage in zip(st.columns(len(partners.STAGES)), partners.STAGES, strict=True):
    in_stage = card.filter(pl.col("stage") == stage)
    column.markdown(f"**{STAGE_LABELS[stage]}** ({in_stage.height})")
    for row in in_stage.iter_rows(named=True):
        with column.container(border=True):
            st.markdown(_link(row["partner_id"], row["name"]))
            facts = [
                TYPE_LABELS.get(row["partner_type"], row["partner_type"]),
                f"contact {days_ago(row['last_contact_on'], today)}",
            ]
            if row["overdue_steps"]:
                facts.append(f":red[{row['overdue_steps']} overdue]")
            st.caption(" · ".join(facts))

# --- what partners brought -----------------------------------------------------------------
st.subheader("Scorecard")
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
).with_columns(pl.col("stage").replace_strict(STAGE_LABELS, default=pl.col("stage")))
brought = table.filter((pl.col("new_members") > 0) | (pl.col("registrations") > 0))
if not brought.is_empty():
    chart_data = brought.select("name", "new_members", "registrations").unpivot(
        index="name", variable_name="what", value_name="people"
    )
    chart = (
        alt.Chart(chart_data)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220)),
            x=alt.X("people:Q", title="People", axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color(
                "what:N",
                title=None,
                scale=alt.Scale(domain=["new_members", "registrations"]),
                legend=alt.Legend(
                    labelExpr="datum.value == 'new_members' ? 'New members' : 'Registrations'"
                ),
            ),
            yOffset="what:N",
            tooltip=["name:N", "what:N", "people:Q"],
        )
        .properties(title="What partners brought (all time)", height=36 * brought.height + 40)
    )
    st.altair_chart(chart, width="stretch")
    csv_download(brought.drop("open"), "partners-brought")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "name": "Partner",
        "stage": "Stage",
        "owner": "Owner",
        "new_members": st.column_config.NumberColumn(
            "New members", help="Members its joint projects brought (each once)."
        ),
        "registrations": st.column_config.NumberColumn(
            "Registrations", help="Event registrations through its projects' tracking codes."
        ),
        "uplift_pct": st.column_config.NumberColumn(
            "Uplift", format="%.1f %%", help="Activity 60 days after vs before taking part."
        ),
        "interactions_90d": st.column_config.NumberColumn("Interactions (90 d)"),
        "days_since_contact": st.column_config.NumberColumn("Days since contact"),
        "overdue_steps": st.column_config.NumberColumn("Overdue steps"),
        "projects": st.column_config.NumberColumn("Projects"),
        "open": st.column_config.LinkColumn("", display_text="Open"),
    },
)
csv_download(table.drop("open"), "partners-scorecard")

# --- joint projects ------------------------------------------------------------------------
if not listed_projects.is_empty():
    st.subheader("Joint projects")
    projects_table = listed_projects.select(
        "title",
        pl.col("partner_names").list.join(", ").alias("partners"),
        "starts_on",
        "ends_on",
        pl.col("goal_metric").replace_strict(METRIC_LABELS, default=None).alias("goal"),
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
            "title": "Project",
            "partners": "Partners",
            "starts_on": st.column_config.DateColumn("First day", format="DD.MM.YYYY"),
            "ends_on": st.column_config.DateColumn("Last day", format="DD.MM.YYYY"),
            "goal": "Goal",
            "goal_target": st.column_config.NumberColumn("Target"),
            "goal_actual": st.column_config.NumberColumn("Actual"),
            "goal_pct": st.column_config.ProgressColumn(
                "% of target", format="%.0f %%", min_value=0, max_value=100
            ),
            "new_members": st.column_config.NumberColumn("New members"),
            "registrations": st.column_config.NumberColumn("Registrations"),
            "reach": st.column_config.NumberColumn("Reach", help="Views of our posts with a code."),
            "uplift_pct": st.column_config.NumberColumn("Uplift", format="%.1f %%"),
        },
    )
    csv_download(projects_table, "joint-projects")
