// Words for the API's values that more than one page shows, said one way everywhere.

/** An encounter's status as people say it (the chart's list and the encounter's own page). */
export const encounterStatusNames = {
  planned: 'Planned', in_progress: 'In progress', finished: 'Finished', cancelled: 'Cancelled',
  entered_in_error: 'Entered in error',
};
