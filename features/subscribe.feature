Feature: Subscribe
  A subscription to a newsletter in the portal becomes a contact in that
  newsletter's address book, with its e-mail address, name and gender.

  Background:
    Given the portal has a newsletter "Weekly news"

  Scenario: A subscription becomes a contact with its details
    Given "max.mustermann@example.org" subscribes to "Weekly news" as "Max" "Mustermann", gender "m"
    When the interface synchronises
    Then "Weekly news" has the contact "max.mustermann@example.org" named "Max" "Mustermann", gender "m"
    And the contact "max.mustermann@example.org" in "Weekly news" is subscribed

  Scenario: Subscribing to two newsletters puts the contact in both
    Given the portal has a newsletter "Special offers"
    And "erika@example.org" subscribes to "Weekly news"
    And "erika@example.org" subscribes to "Special offers"
    When the interface synchronises
    Then "Weekly news" has the contact "erika@example.org"
    And "Special offers" has the contact "erika@example.org"

  Scenario: An invalid e-mail address is reported while the others arrive
    Given "not-an-address" subscribes to "Weekly news"
    And "valid@example.org" subscribes to "Weekly news"
    And "also.valid@example.org" subscribes to "Weekly news"
    When the interface synchronises
    Then the run reports 1 failed subscription with an invalid e-mail address
    And "Weekly news" holds exactly the contacts "valid@example.org, also.valid@example.org"

  Scenario: A changed e-mail address updates the same contact
    Given "old.address@example.org" is subscribed to "Weekly news" in both systems
    When "old.address@example.org" changes the e-mail address to "new.address@example.org" for "Weekly news" in the portal
    And the interface synchronises
    Then "Weekly news" holds exactly the contacts "new.address@example.org"
    And the contact "new.address@example.org" in "Weekly news" is the one "old.address@example.org" was

  Scenario Outline: E-mail addresses are matched whatever their case
    Given "<written>" subscribes to "Weekly news"
    When the interface synchronises
    Then "Weekly news" has the contact "<matched>"
    And "Weekly news" holds exactly the contacts "<matched>"

    Examples:
      | written                     | matched                     |
      | Max.Mustermann@Example.org  | max.mustermann@example.org  |
      | JÜRGEN@EXAMPLE.ORG          | jürgen@example.org          |
      | anna@example.org            | ANNA@example.org            |

  Scenario Outline: Names arrive as they are written
    Given "<email>" subscribes to "Weekly news" as "<first>" "<last>", gender "<gender>"
    When the interface synchronises
    Then "Weekly news" has the contact "<email>" named "<first>" "<last>", gender "<gender>"

    Examples:
      | email               | first    | last                    | gender |
      | jose@example.org    | José     | Müller-Lüdenscheidt     | m      |
      | zoe@example.org     | Zoë      | O'Brien                 | f      |
      | long@example.org    | Maximilian-Alexander | von und zu Hohenlohe-Langenburg | m |
