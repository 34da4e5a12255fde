"""Banks as well as insurers: the institution type selects the taxonomy edition (the banking one on JR/T
0169-2018's channel, business type and cause); a 面谈 complaint names its recording (Art. 7); the regulator's
forwarded complaints are counted on their own (the numerator of its quarterly reports)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.complaints.conftest import NOW, at
from xiaobao.complaints import editions, rules, selectors
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Complaint, TaxonomyVersion
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry


def test_the_banking_edition_has_the_three_dimensions_of_the_standard(db):
    bank = TaxonomyVersion.objects.get(institution_type="bank")
    dimensions = set(bank.categories.values_list("dimension", flat=True))
    assert {"channel", "business", "cause"} <= dimensions
    names = set(bank.categories.values_list("name", flat=True))
    assert {"营业现场", "自助机具", "贷款类", "银行卡类", "个人金融信息类", "信息披露", "消费者信息安全"} <= names
    # closing a complaint needs a root cause whatever the edition
    assert bank.categories.filter(dimension="root_cause", systemic=True).exists()


def test_an_insurer_starts_on_the_insurance_edition_and_setup_switches_to_the_banking_one(db):
    assert rules.current_taxonomy().institution_type == "insurer"
    call_command("set_institution_type", "bank")
    current = rules.current_taxonomy()
    assert (current.institution_type, TaxonomyVersion.objects.filter(is_current=True).count()) == ("bank", 1)
    assert AuditEntry.objects.filter(action="complaints.taxonomy_select").count() == 1
    editions.taxonomy_select_edition(institution_type="bank", actor=None)  # already current: nothing written
    assert AuditEntry.objects.filter(action="complaints.taxonomy_select").count() == 1
    call_command("set_institution_type", "insurer")
    assert rules.current_taxonomy().institution_type == "insurer"


def test_a_bank_classifies_on_its_own_codes(register, people, db):
    editions.taxonomy_select_edition(institution_type="bank", actor=None)
    loans = rules.current_taxonomy().categories.get(name="贷款类")
    complaint = register(business_category=loans.pk)
    assert complaint.business_category == loans and complaint.taxonomy.institution_type == "bank"


def test_an_in_person_complaint_needs_its_recording(register):
    with pytest.raises(BusinessRuleError) as refused:
        register(channel=Complaint.Channel.IN_PERSON)
    assert refused.value.error_code == codes.RECORDING_REQUIRED
    assert not Complaint.objects.exists()
    complaint = register(channel=Complaint.Channel.IN_PERSON, recording_ref="  REC-2025-0303-01 ")
    assert complaint.recording_ref == "REC-2025-0303-01"


def test_forwarded_complaints_are_counted_apart_from_the_platforms(register, people):
    register(channel=Complaint.Channel.REGULATOR, external_ref="12378-1")
    register(channel=Complaint.Channel.REGULATOR, external_ref="12378-2", policy_number="P2")
    register(channel=Complaint.Channel.PLATFORM, external_ref="YBX-1", policy_number="P3")
    register(policy_number="P4")
    figures = selectors.figures_by_unit(NOW.date(), at(2025, 3, 31).date(), now=NOW)[people.branch_a.pk]
    assert (figures["received"], figures["forwarded"]) == (4, 2)
