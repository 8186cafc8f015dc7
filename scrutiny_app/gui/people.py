"""Who is at the meeting and who is using the app: the attendance and the acting user.

Views and decisions are saved under the acting user's name; a member records a view only when
they are marked present. :class:`People` keeps, per meeting, who said they are using the app
(asked once at the start of a session), and opens the attendance and "who is using the app?"
dialogs. It announces what it changed through :class:`~scrutiny_app.gui.operations.Operations`.
"""

from __future__ import annotations

import getpass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from scrutiny_app.domain.vocab import MeetingStatus
from scrutiny_app.gui.operations import Changes, Host, Operations
from scrutiny_app.gui.session_dialogs import AttendanceDialog, WhoIsUsingDialog
from scrutiny_app.services import logins, panels, session
from scrutiny_app.services.panels import AttendeeInfo, MeetingInfo
from scrutiny_app.services.session import SessionUser


def computer_user() -> str:
    try:
        return getpass.getuser() or "This computer"
    except Exception:
        return "This computer"


class People(QObject):
    """The attendance of the open meeting and who is using the app at each meeting."""

    aboutToChange = Signal()  # save what the current user typed before someone else acts
    actingChanged = Signal()  # the acting user, their role or the attendance changed

    def __init__(self, ops: Operations, host: Host) -> None:
        super().__init__(ops)
        self.ops = ops
        self.db = ops.db
        self.host = host
        self.meeting: MeetingInfo | None = None
        self.attendance: tuple[AttendeeInfo, ...] = ()
        self._actors: dict[int, SessionUser] = {}  # meeting id -> who is using the app
        self._asked_who: set[int] = set()
        # On a shared server the login says who is acting; nobody chooses.
        self.login = logins.acting(self.db)
        self._fallback = SessionUser(
            None, self.login.name if self.login else computer_user(), "officer"
        )

    # ------------------------------------------------------------------ state

    def open_meeting(self, meeting: MeetingInfo | None) -> None:
        """Read the attendance of ``meeting`` (None: no meeting open). Raises on a read error."""
        self.meeting = meeting
        self.attendance = panels.meeting_attendance(self.db, meeting.id) if meeting else ()
        if meeting is not None:
            self._check_actor(meeting.id)

    def acting(self) -> SessionUser:
        """Who is using the app at the open meeting (the computer's user if nobody said; on a
        shared server, the person logged in)."""
        if self.login is not None:
            member = self.login.member_id
            role = next((a.role for a in self.attendance if a.member_id == member), None)
            name = next((a.name for a in self.attendance if a.member_id == member), None)
            if member is not None and role is not None:
                return SessionUser(member, name or self.login.name, role)
            return SessionUser(None, self.login.name, self.login.role)
        if self.meeting is not None and self.meeting.id in self._actors:
            return self._actors[self.meeting.id]
        return self._fallback

    def present_users(self) -> list[SessionUser]:
        return [SessionUser(a.member_id, a.name, a.role) for a in self.attendance if a.present]

    def names(self) -> dict[int, str]:
        return {a.member_id: a.name for a in self.attendance}

    def _check_actor(self, meeting_id: int) -> None:
        """Drop the acting user if they are no longer marked present; follow a role change."""
        user = self._actors.get(meeting_id)
        if user is None:
            return
        present = {a.member_id for a in self.attendance if a.present}
        if user.member_id not in present:
            del self._actors[meeting_id]
            self.ops.clear_history()  # nobody undoes someone else's work
            self.host.show_status(
                f"{user.name} is no longer marked present: choose who is using the app (Ctrl+U)",
                banner=True,
            )
        else:
            role = next(a.role for a in self.attendance if a.member_id == user.member_id)
            if role != user.role:
                self._actors[meeting_id] = SessionUser(user.member_id, user.name, role)

    # ------------------------------------------------------------------ who is using the app

    def maybe_ask_who(self) -> None:
        """At the start of a session (a planned or sitting meeting with people present): ask
        who is using the app, once per meeting."""
        meeting = self.meeting
        if meeting is None or meeting.id in self._asked_who or meeting.id in self._actors:
            return
        if self.login is not None:
            return  # the login says who it is
        session_time = meeting.status in (MeetingStatus.PLANNED, MeetingStatus.IN_SESSION)
        if not session_time or not self.present_users():
            return  # browsing a meeting already held: Ctrl+U still says who is acting
        if self.host.current_dialog is not None:
            return
        self._asked_who.add(meeting.id)
        self.ask_who()

    def ask_who(self, *_args: object) -> None:
        meeting = self.meeting
        if meeting is None:
            return
        if self.login is not None:
            QMessageBox.information(
                self.host.dialog_parent(),
                "Who is using the app?",
                f"You are logged in to the shared database as {self.login.login} "
                f"({self.login.name}): your work is recorded under your login. Someone else "
                "uses the app on their own login.",
            )
            return
        users = self.present_users()
        if not users:
            QMessageBox.information(
                self.host.dialog_parent(),
                "Who is using the app?",
                "Nobody is marked present at this meeting yet. Record the attendance first "
                "(Meeting ▸ Attendance and declarations, Ctrl+Shift+A).",
            )
            return
        self._asked_who.add(meeting.id)
        warnings = {a.member_id: a.warnings(meeting.date) for a in self.attendance if a.present}
        meeting_id = meeting.id
        dialog = WhoIsUsingDialog(
            self.host.dialog_parent(),
            users,
            meeting_title=f"{meeting.panel_name} · {meeting.title}",
            current=self.acting().member_id,
            warnings=warnings,
            on_choose=lambda user: self.set_acting(meeting_id, user),
        )
        self.host.open_dialog(dialog)

    def set_acting(self, meeting_id: int, user: SessionUser | None) -> None:
        """Make ``user`` (None: someone not on the attendance) the one using the app."""
        self.aboutToChange.emit()
        before = self._actors.get(meeting_id)
        if user is None:
            self._actors.pop(meeting_id, None)
        else:
            self._actors[meeting_id] = user
        if before is not None and before != user:
            # Nobody undoes someone else's work. The first choice at a meeting keeps the
            # history: it holds only what was restored or done before anyone was chosen.
            self.ops.clear_history()
        self.actingChanged.emit()
        if user is not None:
            # The first person to use the app at a planned meeting puts it in session.
            self.ops.run(
                "Start the session",
                lambda: session.start_session(self.db, meeting_id, actor=user.name),
                lambda started: Changes(panels=True) if started else Changes(),
            )
        self.host.show_status(f"Using the app: {self.acting().label}")

    # ------------------------------------------------------------------ attendance

    def edit_attendance(self, *_args: object) -> None:
        meeting = self.meeting
        if meeting is None:
            return
        self.aboutToChange.emit()
        meeting_id = meeting.id

        def change(member_id: int, present: bool, role: str, declarations: str) -> None:
            # The dialog shows a failure itself (it raises into the dialog's own box).
            panels.set_attendance(
                self.db,
                meeting_id,
                member_id,
                present=present,
                role=role,
                declarations=declarations,
                actor=self.acting().name,
            )
            if self.meeting is not None and self.meeting.id == meeting_id:
                self.attendance = panels.meeting_attendance(self.db, meeting_id)
                self._check_actor(meeting_id)
            self.actingChanged.emit()

        dialog = AttendanceDialog(
            self.host.dialog_parent(),
            self.attendance,
            meeting_title=f"{meeting.panel_name} · {meeting.title}",
            meeting_date=meeting.date,
            on_change=change,
        )
        self.host.open_dialog(dialog)
