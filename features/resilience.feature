@mock_only
Feature: Resilience
  The service misbehaves during a sync: errors, rate limits, dropped connections,
  an expired login. The interface retries within bounds and the end result is right.

  Background:
    Given the portal has a newsletter "Weekly news" with 30 subscribers

  Scenario Outline: The service answers <trouble> while contacts are added
    Given the service answers "<trouble>" to the next 2 requests that add contacts
    When the interface synchronises in batches of 10
    Then "Weekly news" has every subscriber exactly once

    Examples:
      | trouble                   |
      | 500                       |
      | 503                       |
      | 429 with Retry-After      |
      | a dropped connection      |
      | an answer lost on the way |

  Scenario: The access token expires in the middle of a run
    Given the access token expires after the first batch
    When the interface synchronises in batches of 10
    Then "Weekly news" has every subscriber exactly once
    And the interface logged in again during the run
