@mock_only
Feature: Double opt-in through a form
  Somebody who subscribes through the account's form is added only after following
  the link in the confirmation e-mail.

  Scenario: The contact arrives only after the confirmation link is followed
    Given the account's subscription form
    When "doi@example.org" subscribes through the form
    Then the form's address book does not have the contact "doi@example.org"
    And "doi@example.org" received a confirmation e-mail with a link
    When "doi@example.org" follows the link in the confirmation e-mail
    Then the form's address book has the contact "doi@example.org", subscribed

  Scenario: Somebody already subscribed is told so and gets no e-mail
    Given the account's subscription form
    And "twice@example.org" subscribed through the form and confirmed
    When "twice@example.org" subscribes through the form
    Then the form reports "twice@example.org" as already subscribed
    And "twice@example.org" received 1 confirmation e-mail
