"""The page draws what the server says each role may do, and nothing of its own: the pages of
the navigation from `allowed_operations`, a note's buttons from its `actions`, an encounter's
from its `transitions`. For every role, each is read from the API with that role's token and
compared with what the page shows; the test changes nothing. A second test narrows the server's
answers on their way into the page, and finds the page narrower too: it keeps no copy of the
rules that would still offer what the server no longer says."""

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import BrowserTest, Page, api, token
from test_notes import new_draft, new_encounter

ACCOUNTS = ["admin", "physician", "nurse", "frontdesk", "auditor"]
NAV = [("Patients", "listPatients"), ("Audit log", "listAuditEvents"), ("Users", "listUsers")]
ENCOUNTER_BUTTONS = {
    "in_progress": "Start", "finished": "Finish", "cancelled": "Cancel the encounter",
    "entered_in_error": "Mark entered in error",
}
MRNS = ["NS-1001", "NS-1002", "NS-1003"]  # the seed writes a note in each state for these


def seeded(physician):
    """The charts (patient ids) and notes (ids) of the seeded patients, as a physician finds them."""
    patients, notes = [], []
    for mrn in MRNS:
        status, found = api("POST", "/v1/patients/search", {"q": mrn}, physician)
        assert status == 200 and found["items"], (status, found)
        patient = found["items"][0]["id"]
        patients.append(patient)
        status, encounters = api("GET", f"/v1/patients/{patient}/encounters?limit=200", None, physician)
        assert status == 200, (status, encounters)
        for encounter in encounters["items"]:
            status, listed = api("GET", f"/v1/encounters/{encounter['id']}/notes?limit=200", None, physician)
            assert status == 200, (status, listed)
            notes += [note["id"] for note in listed["items"]]
    assert len(notes) >= 3, notes
    return patients, notes


class PermissionTests(BrowserTest):
    def present(self, page, css, text):
        return any(e.text.strip() == text for e in page.driver.find_elements(By.CSS_SELECTOR, css))

    def test_every_role_sees_exactly_the_actions_the_server_allows(self):
        patients, notes = seeded(token("physician@northside.example"))
        checked = {"notes": 0, "encounters": 0}
        for local in ACCOUNTS:
            email = f"{local}@northside.example"
            access = token(email)
            status, me = api("GET", "/v1/auth/me", None, access)
            self.assertEqual(status, 200)
            allowed = set(me["allowed_operations"])
            page = self.page if local == ACCOUNTS[0] else Page()
            try:
                page.log_in("northside", email)
                page.heading("Welcome")
                nav = [a.text for a in page.driver.find_elements(By.CSS_SELECTOR, "#nav a")]
                self.assertEqual(nav, ["Home"] + [name for name, operation in NAV if operation in allowed], local)

                for note_id in notes if "getNote" in allowed else []:
                    status, note = api("GET", f"/v1/notes/{note_id}", None, access)
                    self.assertEqual(status, 200)
                    actions = set(note["actions"])
                    page.open(f"/#/notes/{note_id}")
                    page.heading("ote")
                    WebDriverWait(page.driver, 10).until(
                        lambda d: d.find_elements(By.CSS_SELECTOR, "main [data-provenance]"))
                    shown = {
                        "save": bool(page.driver.find_elements(By.CSS_SELECTOR, "main form.soap textarea[name=subjective]")),
                        "sign": self.present(page, "main button", "Sign"),
                        "amend": self.present(page, "main summary", "Amend this note"),
                        "enter_in_error": self.present(page, "main summary", "Mark entered in error"),
                    }
                    self.assertEqual({action for action, there in shown.items() if there}, actions,
                                     f"{local} on a {note['status']} note")
                    checked["notes"] += 1

                for patient in patients if "getPatient" in allowed else []:
                    status, encounters = api("GET", f"/v1/patients/{patient}/encounters?limit=200", None, access)
                    self.assertEqual(status, 200)
                    page.open(f"/#/patients/{patient}")
                    WebDriverWait(page.driver, 10).until(
                        lambda d: len(d.find_elements(By.CSS_SELECTOR, "li[data-encounter]")) == len(encounters["items"]))
                    for encounter in encounters["items"]:
                        buttons = page.texts(f'li[data-encounter="{encounter["id"]}"] button')
                        self.assertEqual(sorted(buttons), sorted(ENCOUNTER_BUTTONS[t] for t in encounter["transitions"]),
                                         f"{local} on a {encounter['status']} encounter")
                        checked["encounters"] += 1
            finally:
                if page is not self.page:
                    errors = page.console_errors()
                    page.close()
                    self.assertEqual(errors, [], f"console errors of {local}")
        # Physician and nurse read the notes; four roles the charts.
        self.assertGreaterEqual(checked["notes"], 2 * 3)
        self.assertGreaterEqual(checked["encounters"], 4 * 3)

    # Before the page's own scripts: every answer that tells the page what the user may do loses
    # the audit log, signing and cancelling, as if the server's rules had changed.
    NARROWER = """
    const original = window.fetch;
    window.fetch = async (...args) => {
      const answer = await original(...args);
      if (!answer.ok || !(answer.headers.get('content-type') || '').includes('json')) return answer;
      const body = await answer.clone().json();
      const narrow = (o) => {
        if (!o || typeof o !== 'object') return;
        if (o.allowed_operations) o.allowed_operations = o.allowed_operations.filter((x) => x !== 'listAuditEvents' && x !== 'signNote');
        if (o.actions) o.actions = o.actions.filter((a) => a !== 'sign');
        if (o.transitions) o.transitions = o.transitions.filter((t) => t !== 'cancelled');
      };
      narrow(body);
      (body.items || []).forEach(narrow);
      return new Response(JSON.stringify(body), { status: answer.status, statusText: answer.statusText, headers: answer.headers });
    };
    """

    def test_the_page_follows_the_server_not_a_copy_of_its_rules(self):
        access, patient, encounter = new_encounter()
        draft = new_draft(access, encounter)
        status, planned = api("POST", f"/v1/patients/{patient['id']}/encounters",
                              {"type": "phone", "status": "planned", "reason": "Call back"}, access)
        self.assertEqual(status, 201)
        self.assertIn("cancelled", planned["transitions"])
        self.page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": self.NARROWER})

        self.page.log_in("northside", "physician@northside.example")
        self.page.heading("Welcome")
        WebDriverWait(self.page.driver, 10).until(lambda d: d.find_elements(By.ID, "drafts-title"))
        self.assertEqual(self.page.driver.find_element(By.ID, "drafts-title").text,
                         "Drafts waiting for a physician's signature")

        self.page.open(f"/#/notes/{draft['id']}")
        self.page.heading("Draft note")
        WebDriverWait(self.page.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main form.soap"))
        self.assertFalse(self.present(self.page, "main button", "Sign"), "the server no longer says sign")
        self.assertTrue(self.page.driver.find_elements(By.CSS_SELECTOR, "[data-awaits=signature]"))

        self.page.open(f"/#/patients/{patient['id']}")
        WebDriverWait(self.page.driver, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f'li[data-encounter="{planned["id"]}"] button'))
        self.assertEqual(sorted(self.page.texts(f'li[data-encounter="{planned["id"]}"] button')),
                         ["Mark entered in error", "Start"])

        admin = Page()
        try:
            admin.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": self.NARROWER})
            admin.log_in("northside", "admin@northside.example")
            admin.heading("Welcome")
            self.assertEqual([a.text for a in admin.driver.find_elements(By.CSS_SELECTOR, "#nav a")],
                             ["Home", "Patients", "Users"])
            admin.open("/#/audit")
            admin.heading("Not for your role")
        finally:
            errors = admin.console_errors()
            admin.close()
        self.assertEqual(errors, [], "console errors of the admin's page")
