from django.urls import path, register_converter

from governance import views, views_committees, views_people, views_workflow


class DocumentFormat:
    regex = "pdf|docx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(DocumentFormat, "document_format")

urlpatterns = [
    path("parties/", views.party_list, name="party_list"),
    path("parties/garder/", views.party_keep, name="party_keep"),
    path("parties/ajouter/", views.party_add, name="party_add"),
    path("parties/<int:party_pk>/modifier/", views.party_edit, name="party_edit"),
    path("parties/<int:party_pk>/retirer/", views.party_remove, name="party_remove"),
    path("parties/<int:party_pk>/signataire/", views.party_signatory, name="party_signatory"),
    path(
        "parties/invitations/<int:party_invitation_pk>/retirer/",
        views.party_invitation_withdraw,
        name="party_invitation_withdraw",
    ),
    path("parties/personnes/inviter/", views_people.convention_invite, name="convention_invite"),
    path(
        "parties/personnes/invitations/<int:invitation_pk>/annuler/",
        views_people.convention_invitation_revoke,
        name="convention_invitation_revoke",
    ),
    path("documents/", views.document_list, name="document_list"),
    path("documents/produire/", views.document_generate, name="document_generate"),
    path("documents/<int:document_pk>/telecharger/", views.document_download, name="document_download"),
    path(
        "documents/deliberation/<int:party_pk>.<document_format:document_format>",
        views.party_deliberation,
        name="party_deliberation",
    ),
    path("circuit/", views_workflow.workflow, name="workflow"),
    path("circuit/action/", views_workflow.workflow_action, name="workflow_action"),
    path("circuit/journal.csv", views_workflow.audit_export, name="audit_export"),
    path("versions/<int:version_pk>/convention.pdf", views_workflow.version_pdf, name="version_pdf"),
    path("versions/<int:version_pk>/signee.pdf", views_workflow.version_signed_pdf, name="version_signed_pdf"),
    path("deliberations/", views_workflow.deliberation_list, name="deliberation_list"),
    path("deliberations/export-scdl.csv", views_workflow.deliberation_export, name="deliberation_export"),
    path("deliberations/<int:deliberation_pk>/", views_workflow.deliberation_record, name="deliberation_record"),
    path("deliberations/<int:deliberation_pk>/acte.pdf", views_workflow.deliberation_act, name="deliberation_act"),
    path(
        "deliberations/<int:deliberation_pk>/transmission/",
        views_workflow.deliberation_transmission,
        name="deliberation_transmission",
    ),
    path("signatures/<int:request_pk>/papier/", views_workflow.signature_paper, name="signature_paper"),
    path("comites/", views_committees.committee_list, name="committee_list"),
    path("comites/ajouter/", views_committees.committee_create, name="committee_create"),
    path("comites/<int:committee_pk>/reunions/ajouter/", views_committees.meeting_edit, name="meeting_create"),
    path("comites/<int:committee_pk>/reunions/<int:meeting_pk>/", views_committees.meeting_edit, name="meeting_edit"),
    path("reunions/<int:meeting_pk>/compte-rendu.pdf", views_committees.meeting_minutes, name="meeting_minutes"),
]
